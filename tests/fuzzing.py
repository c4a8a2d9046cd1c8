"""Hypothesis settings shared by the property-based tests: a bounded, reproducible number of
examples in the fast loop (FAST), many more in the slow job (SLOW, with ``@pytest.mark.slow``).
A failing example Hypothesis finds is kept as a regular test beside the property."""

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # shared CI machines: a slow example is not a failure
    "database": None,  # nothing written into the repository; failures become regular tests
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
}
FAST = settings(max_examples=25, derandomize=True, **_COMMON)
SLOW = settings(max_examples=400, **_COMMON)
