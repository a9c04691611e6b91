"""The two faces, which parse, call and render: the command line, and the report with its maps."""
