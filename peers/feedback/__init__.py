"""GitHub feedback on pull requests: one comment per PR ("Safe to merge and deploy" or the
failures), updated in place on later pushes, and a commit status per stage on the head commit.

Runs as ``orchestra feedback`` (or inside another process through ``run_feedback``); it reads
the board's events through its own consumer group, so restarts and replicas neither miss nor
repeat anything.
"""

from .comment import MARKER, SAFE, Reported, is_ours, render_comment, reported
from .errors import FeedbackError, GitHubError
from .github import Comment, GitHubClient, StatusState
from .serve import run_feedback, serve
from .service import FeedbackService, PullRequest, pull_request_of
from .settings import FeedbackSettings
from .statuses import StageStatus, stage_of, stage_status, stage_statuses

__all__ = [
    "MARKER",
    "SAFE",
    "Comment",
    "FeedbackError",
    "FeedbackService",
    "FeedbackSettings",
    "GitHubClient",
    "GitHubError",
    "PullRequest",
    "Reported",
    "StageStatus",
    "StatusState",
    "is_ours",
    "pull_request_of",
    "render_comment",
    "reported",
    "run_feedback",
    "serve",
    "stage_of",
    "stage_status",
    "stage_statuses",
]
