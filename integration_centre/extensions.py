"""Unbound Flask extensions, bound to an app by ``create_app`` through ``init_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from integration_centre.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Rate limits live in Redis (``REDIS_URL``) in production. When Redis cannot be reached, the
# limiter warns once ("Rate limit storage unreachable - falling back to in-memory storage"),
# keeps enforcing every limit in this process's memory, checks Redis again now and then
# (1, 2, 4… seconds apart) and goes back to it by itself once it answers: a Redis outage never
# turns a login, a certificate check or an API call into a 500. Other errors are not swallowed
# (a database outage met by a key function reaches the 503 handler of ``core.errors``).
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    in_memory_fallback_enabled=True,
    swallow_errors=False,
    # Never hang a request on an unreachable Redis (ignored by the in-memory storage).
    storage_options={"socket_connect_timeout": 1, "socket_timeout": 1},
)
