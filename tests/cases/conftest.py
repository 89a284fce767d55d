"""The web tests' demo configuration fixture, shared with the case tests."""

from tests.web.conftest import demo_config  # noqa: F401
