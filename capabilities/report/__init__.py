"""Run reports: JSON and Markdown, as a task of the run and for `orchestra run`."""

from .capability import Report
from .render import build_report, render_markdown

__all__ = ["Report", "build_report", "render_markdown"]
