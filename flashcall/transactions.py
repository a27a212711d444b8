"""One way to run a unit of work as a single transaction: committed on success, rolled back on error."""
from .extensions import db


def commit_or_rollback(work, keep_loaded=False):
    """Run work() and commit. With keep_loaded, objects keep what was just written (no expiry on
    this commit), so answering with them does not read back the rows this transaction wrote."""
    session = db.session()
    try:
        result = work()
        expire = session.expire_on_commit
        session.expire_on_commit = expire and not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
        return result
    except BaseException:
        session.rollback()
        raise
