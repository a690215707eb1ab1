"""The scheduler process (``python -m scheduler``): daily jobs, run apart from the web workers."""
