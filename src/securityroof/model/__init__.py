"""The model: the catalog and scenarios, validated at the edge into typed objects."""
