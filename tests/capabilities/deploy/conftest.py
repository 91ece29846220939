from tests.support.apps.fixtures import project, real_board

__all__ = ["project", "real_board"]
