"""Prometheus metrics of this process, all named doithoai_*.

Counters and histograms live here so that the bots, the worker and the web app increment the same
objects; figures read from the database (questions, outbox) are collected at scrape time by
`web.ops`, so they agree across processes.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter("doithoai_messages", "Citizen messages handled, per channel.", ["channel"], registry=REGISTRY)
DELIVERIES = Counter("doithoai_deliveries", "Messages delivered to citizens, per channel.", ["channel"],
                     registry=REGISTRY)
RATE_LIMITED = Counter("doithoai_rate_limited", "Answers of 429 (too many requests) from a platform, per channel.",
                       ["channel"], registry=REGISTRY)
CLASSIFY_SECONDS = Histogram("doithoai_classify_seconds", "Time to analyse (normalise, classify) one question.",
                             buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
                             registry=REGISTRY)
HTTP_SECONDS = Histogram("doithoai_http_request_seconds", "HTTP request latency, per route template and method.",
                         ["route", "method", "status"], registry=REGISTRY)
