"""Distribution names -> import names, and the other facts the missing-module check needs.

A requirement ``PyYAML`` is imported as ``yaml``: the table below lists the common cases where
the two differ; otherwise the normalised distribution name is the import name
(``Flask-SQLAlchemy`` -> ``flask_sqlalchemy``), with a few mechanical extras (``python-dateutil``
-> ``dateutil``, ``zope.interface`` -> ``zope``, ``google-cloud-storage`` -> ``google``).
"""

from __future__ import annotations

import re

DIST_TO_IMPORTS: dict[str, tuple[str, ...]] = {
    "pyyaml": ("yaml",),
    "ruamel-yaml": ("ruamel",),
    "pillow": ("PIL",),
    "beautifulsoup4": ("bs4",),
    "scikit-learn": ("sklearn",),
    "scikit-image": ("skimage",),
    "python-dateutil": ("dateutil",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "opencv-contrib-python": ("cv2",),
    "opencv-contrib-python-headless": ("cv2",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "pyjwt": ("jwt",),
    "attrs": ("attr", "attrs"),
    "protobuf": ("google",),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack"),
    "pymysql": ("pymysql",),
    "mysqlclient": ("MySQLdb",),
    "mysql-connector-python": ("mysql",),
    "pyopenssl": ("OpenSSL",),
    "pycryptodome": ("Crypto",),
    "pycryptodomex": ("Cryptodome",),
    "python-dotenv": ("dotenv",),
    "python-multipart": ("multipart", "python_multipart"),
    "python-jose": ("jose",),
    "python-magic": ("magic",),
    "python-slugify": ("slugify",),
    "python-json-logger": ("pythonjsonlogger",),
    "python-socketio": ("socketio",),
    "python-engineio": ("engineio",),
    "python-telegram-bot": ("telegram",),
    "python-docx": ("docx",),
    "python-pptx": ("pptx",),
    "pyserial": ("serial",),
    "pyusb": ("usb",),
    "pyzmq": ("zmq",),
    "pygithub": ("github",),
    "gitpython": ("git",),
    "msgpack-python": ("msgpack",),
    "dnspython": ("dns",),
    "django-cors-headers": ("corsheaders",),
    "djangorestframework": ("rest_framework",),
    "djangorestframework-simplejwt": ("rest_framework_simplejwt",),
    "django-filter": ("django_filters",),
    "django-environ": ("environ",),
    "django-redis": ("django_redis",),
    "flask-restful": ("flask_restful",),
    "markdown": ("markdown",),
    "pymongo": ("pymongo", "bson", "gridfs"),
    "typing-extensions": ("typing_extensions",),
    "google-api-python-client": ("googleapiclient",),
    "grpcio": ("grpc",),
    "grpcio-tools": ("grpc_tools",),
    "pywin32": ("win32api", "win32con", "pywintypes"),
    "websocket-client": ("websocket",),
    "faiss-cpu": ("faiss",),
    "tensorflow-cpu": ("tensorflow",),
    "torchvision": ("torchvision",),
    "pytorch-lightning": ("pytorch_lightning", "lightning"),
    "ipython": ("IPython",),
    "pyqt5": ("PyQt5",),
    "pyqt6": ("PyQt6",),
    "pysocks": ("socks", "sockshandler"),
    "sentry-sdk": ("sentry_sdk",),
    "uvicorn": ("uvicorn",),
    "hiredis": ("hiredis",),
    "redis-py-cluster": ("rediscluster",),
    "elasticsearch-dsl": ("elasticsearch_dsl",),
    "discord-py": ("discord",),
    "email-validator": ("email_validator",),
    "prometheus-client": ("prometheus_client",),
    "opentelemetry-api": ("opentelemetry",),
    "opentelemetry-sdk": ("opentelemetry",),
    "apache-airflow": ("airflow",),
    "azure-functions": ("azure",),
}
"""The common distributions whose import name is not their normalised name."""

IMPORT_TO_DIST: dict[str, str] = {
    imp: dist for dist, imps in reversed(DIST_TO_IMPORTS.items()) for imp in imps if imp != dist
}
"""For messages: ``import yaml`` is fixed by declaring ``pyyaml``."""

TRANSITIVE: dict[str, tuple[str, ...]] = {
    "flask": ("werkzeug", "jinja2", "click", "itsdangerous", "markupsafe", "blinker"),
    "fastapi": ("starlette", "pydantic", "pydantic_core", "anyio", "typing_extensions"),
    "starlette": ("anyio",),
    "django": ("asgiref", "sqlparse"),
    "requests": ("urllib3", "idna", "certifi", "charset_normalizer"),
    "httpx": ("httpcore", "anyio", "idna", "certifi", "sniffio", "h11"),
    "uvicorn": ("h11", "click"),
    "celery": ("kombu", "billiard", "vine", "click"),
    "boto3": ("botocore", "s3transfer", "jmespath"),
    "pandas": ("numpy", "dateutil", "pytz", "tzdata"),
    "aiohttp": ("yarl", "multidict", "aiosignal", "frozenlist"),
    "sqlalchemy": ("greenlet",),
    "pydantic": ("pydantic_core", "typing_extensions", "annotated_types"),
    "jinja2": ("markupsafe",),
    "matplotlib": ("numpy",),
    "scipy": ("numpy",),
    "scikit-learn": ("numpy", "scipy", "joblib"),
    "gunicorn": ("packaging",),
    "pytest": ("_pytest", "pluggy", "iniconfig", "packaging"),
}
"""What a declared distribution brings in: importing these without declaring them works, but
is fragile (a warning, not an error)."""

TEST_RUNNER = frozenset({"pytest", "_pytest", "coverage", "pytest_cov"})
"""What the test stage itself installs: test files may import these undeclared."""

_NORMALISE = re.compile(r"[-_.]+")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    """PEP 503: ``Flask_SQLAlchemy`` -> ``flask-sqlalchemy``."""
    return _NORMALISE.sub("-", name).lower()


def requirement_name(line: str) -> str | None:
    """The distribution a requirement line names (``flask>=3`` -> ``flask``), None when it is a
    bare URL or path without ``#egg=``."""
    egg = _EGG.search(line)
    if egg:
        return egg.group(1)
    if "://" in line.split("@", 1)[0] or line.lstrip().startswith((".", "/")):
        return None
    m = _NAME.match(line)
    return m.group(1) if m else None


def import_names(dist: str) -> set[str]:
    """The top-level names a distribution (as written, or normalised) may be imported as."""
    names = {dist.split(".")[0]} if "." in dist else set()
    dist = normalise(dist)
    names |= {dist.replace("-", "_"), *DIST_TO_IMPORTS.get(dist, ())}
    for prefix in ("python-", "py-"):
        if dist.startswith(prefix):
            names.add(dist[len(prefix) :].replace("-", "_"))
    if dist.endswith("-python"):
        names.add(dist[: -len("-python")].replace("-", "_"))
    if dist.startswith(("google-", "googleapis-")):
        names.add("google")
    if dist.startswith("azure-"):
        names.add("azure")
    if dist.startswith(("types-", "mypy-")):
        names.add(dist.split("-", 1)[1].replace("-", "_"))
    return names | {n.lower() for n in names}


def transitive_of(declared: set[str]) -> dict[str, str]:
    """Import name -> the declared distribution that brings it in."""
    found: dict[str, str] = {}
    for dist in sorted(declared):
        for name in TRANSITIVE.get(normalise(dist), ()):
            found.setdefault(name, dist)
    return found
