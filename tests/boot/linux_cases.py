"""Boot tests of Linux programs on Flint (registered into cases.CASES)."""
import cases  # noqa: F401
