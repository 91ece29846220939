"""The ``test`` capability: a service's tests with coverage; tests generated where coverage is
missing, kept only when they pass and raise it."""

from .capability import Test
from .coverage import CoverageReport, FileCoverage
from .model import CaseResult, SuiteRun, TestReport

__all__ = ["CaseResult", "CoverageReport", "FileCoverage", "SuiteRun", "Test", "TestReport"]
