"""The workbench\x27s web face (``roof serve``): see :mod:`securityroof.present.web.app`."""
