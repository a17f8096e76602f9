"""Pure logic and AWS adapters. Never imports textual or rich (tests/unit/test_core_imports.py)."""
