"""Retrieval over the knowledge base: each sample failure log ranks the incident that explains it
first (table-driven), and the knowledge base itself is well-formed."""

from __future__ import annotations

import re

import pytest

from capabilities.diagnose.retrieval import KnowledgeBase, knowledge_base, load_incidents, tokens
from capabilities.diagnose.rules import RULES

SAMPLES: list[tuple[str, str, str]] = [
    (
        "build",
        "#12 [build 5/6] RUN npm run build\n#12 45.3 <--- Last few GCs --->\n"
        "#12 45.3 FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n"
        '#12 ERROR: process "/bin/sh -c npm run build" did not complete successfully: exit code: 134',
        "build-out-of-memory",
    ),
    (
        "build",
        "Building wheel for numpy (pyproject.toml): started\n"
        "c++: fatal error: Killed signal terminated program cc1plus\n"
        "error: command '/usr/bin/g++' failed with exit code 1\n"
        "The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 137",
        "build-out-of-memory",
    ),
    (
        "deploy",
        'Warning  Failed  12s  kubelet  Failed to pull image "registry.local/shop/api:1.4": rpc error: '
        "code = NotFound desc = failed to pull and unpack image: failed to resolve reference "
        '"registry.local/shop/api:1.4": not found\n'
        "Warning  Failed  12s  kubelet  Error: ErrImagePull\nNormal  BackOff  kubelet  ImagePullBackOff",
        "image-pull-error",
    ),
    (
        "deploy",
        'Traceback (most recent call last):\n  File "/app/server.py", line 40, in <module>\n'
        "    httpd = HTTPServer(('0.0.0.0', 8000), Handler)\nOSError: [Errno 98] Address already in use",
        "port-in-use",
    ),
    (
        "deploy",
        "Error: listen EADDRINUSE: address already in use :::3000\n    at Server.setupListenHandle "
        "[as _listen2] (node:net:1817:16)",
        "port-in-use",
    ),
    (
        "test",
        'Traceback (most recent call last):\n  File "/app/app.py", line 3, in <module>\n'
        "    from flask_cors import CORS\nModuleNotFoundError: No module named 'flask_cors'",
        "missing-python-module",
    ),
    (
        "deploy",
        "node:internal/modules/cjs/loader:1080\n  throw err;\n  ^\n\nError: Cannot find module 'express'\n"
        "Require stack:\n- /app/server.js\n  code: 'MODULE_NOT_FOUND'",
        "missing-node-module",
    ),
    (
        "deploy",
        "waiting for backend v2 to become healthy\n"
        "GET http://127.0.0.1:53211/health -> 404 Not Found (attempt 30/30)\n"
        "backend v2 never became healthy within 60s; rolling back",
        "health-check-failing",
    ),
    (
        "observe",
        'ALERT TargetDown firing: job="backend" instance="10.0.3.17:9100"\n'
        'Get "http://10.0.3.17:9100/metrics": context deadline exceeded\nup{job="backend"} == 0 for 5m',
        "prometheus-target-down",
    ),
    (
        "observe",
        'level=warn component="scrape manager" scrape_pool=frontend target=http://frontend:8080/metrics '
        'msg="Scrape failed" err="server returned HTTP status 404 Not Found"',
        "metrics-404",
    ),
    (
        "build",
        'Error: writing blob: adding layer with blob "sha256:4f4fb700ef54": processing tar file(write '
        "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1: no space left on device): exit status 1",
        "disk-full",
    ),
    (
        "test",
        'psycopg2.OperationalError: could not translate host name "db" to address: '
        "Temporary failure in name resolution",
        "dns-resolution-failure",
    ),
    (
        "deploy",
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='payments.internal', port=443): Max retries "
        "exceeded with url: /v1/charge (Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
        "CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))",
        "tls-certificate-expired",
    ),
    (
        "observe",
        "    State:          Running\n    Last State:     Terminated\n      Reason:       OOMKilled\n"
        "      Exit Code:    137\n    Restart Count:  4",
        "oomkilled",
    ),
    (
        "deploy",
        'Traceback (most recent call last):\n  File "/app/store.py", line 12, in open_db\n'
        "PermissionError: [Errno 13] Permission denied: '/data/orders.db'",
        "permission-denied-volume",
    ),
    (
        "build",
        "npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\nnpm ERR! Found: "
        'react@18.2.0\nnpm ERR! Could not resolve dependency:\nnpm ERR! peer react@"^16.8.0 || ^17.0.0" '
        "from react-beautiful-dnd@13.1.1",
        "npm-eresolve",
    ),
    (
        "deploy",
        "NAME      READY  STATUS            RESTARTS  AGE\n"
        "api-7d9f  0/1    CrashLoopBackOff  6         4m\n"
        "Warning  BackOff  kubelet  Back-off restarting failed container api in pod api-7d9f",
        "crash-loop",
    ),
    (
        "test",
        "Error: connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect [as oncomplete] "
        "(node:net:1494:16) {\n  errno: -111,\n  code: 'ECONNREFUSED',\n"
        "  syscall: 'connect',\n  port: 6379\n}",
        "dependency-connection-refused",
    ),
    (
        "build",
        "ERROR: Cannot install flask==2.0.0 and werkzeug==3.0.1 because these package versions have "
        "conflicting dependencies.\nERROR: ResolutionImpossible: for help visit "
        "https://pip.pypa.io/en/latest/topics/dependency-resolution/",
        "python-dependency-conflict",
    ),
    ("deploy", "exec /usr/local/bin/server: exec format error", "exec-format-error"),
    (
        "provision",
        "Error: Error acquiring the state lock\n\nError message: ConditionalCheckFailedException: The "
        "conditional request failed\nLock Info:\n  ID: 8d2b0c1e\n  Path: shop-tfstate/prod/terraform.tfstate",
        "terraform-state-lock",
    ),
]


@pytest.mark.parametrize(
    ("stage", "log", "incident"), SAMPLES, ids=[f"{s[2]}-{i}" for i, s in enumerate(SAMPLES)]
)
def test_the_right_incident_ranks_first(stage: str, log: str, incident: str) -> None:
    hits = knowledge_base().search(log, stage=stage)
    assert hits, "no incident scored"
    ranking = [(h.incident.id, h.score) for h in hits]
    assert hits[0].incident.id == incident, ranking
    assert hits[0].evidence, "the matched log lines are the evidence"


def test_it_also_ranks_without_the_stage() -> None:
    misses = [
        (incident, knowledge_base().search(log)[0].incident.id)
        for _, log, incident in SAMPLES
        if knowledge_base().search(log)[0].incident.id != incident
    ]
    assert not misses


@pytest.mark.parametrize(
    ("log", "incident"),
    [
        ("prometheus could not scrape the backend target, scrape timeout", "prometheus-target-down"),
        ("the disk of the build engine is full", "disk-full"),
        ("the certificate of the payments api expired yesterday", "tls-certificate-expired"),
        ("kubelet: the pod keeps restarting after start", "crash-loop"),
        ("npm install: peer dependency conflict between react and a library", "npm-eresolve"),
    ],
)
def test_words_alone_rank_a_described_failure(log: str, incident: str) -> None:
    """No signature matches these: BM25 over the descriptions ranks them."""
    hits = knowledge_base().search(log)
    assert hits[0].incident.id == incident and hits[0].signatures == 0


def test_the_samples_cover_at_least_twelve_incidents() -> None:
    assert len({incident for _, _, incident in SAMPLES}) >= 12


def test_an_unrelated_log_scores_nothing_worth_citing() -> None:
    hits = knowledge_base().search("all 42 tests passed in 3.1s")
    assert not hits or hits[0].signatures == 0


def test_the_knowledge_base_is_well_formed() -> None:
    incidents = load_incidents()
    assert len(incidents) >= 12
    assert len({i.id for i in incidents}) == len(incidents)
    rules = {rule(sample).rule for rule, sample in _rule_samples() if rule(sample)}
    for incident in incidents:
        assert incident.signatures and incident.symptoms and incident.cause and incident.fix
        assert set(incident.stages) <= {"build", "test", "deploy", "observe", "provision"}
        if incident.rule:  # a fix id names what a rule of rules.py applies
            assert incident.rule in rules and incident.fix_id, incident.id


def _rule_samples() -> list[tuple[object, str]]:
    logs = ["ModuleNotFoundError: No module named 'x'", "Cannot find module 'x'", "EADDRINUSE"]
    return [(rule, log) for rule in RULES for log in logs]


def test_bm25_prefers_the_document_with_the_rarer_shared_words() -> None:
    base = load_incidents()[:3]
    kb = KnowledgeBase(base)
    words = set(tokens(base[1].title))
    scores = [kb.bm25(words, i) for i in range(3)]
    assert scores[1] == max(scores) and scores[1] > 0
    assert re.fullmatch(r"[a-z0-9]+", "".join(tokens("Hello, WORLD-42!")))
