"""Prometheus metrics (§13): process-local instruments and the deployment-wide collector."""
