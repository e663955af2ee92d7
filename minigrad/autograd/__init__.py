"""The autograd core: Function and ctx, the backward engine, grad modes, gradcheck, anomaly detection."""
from .function import Context, Function, detect_anomaly, is_anomaly_enabled
from .gradcheck import GradcheckError, gradcheck
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .trace import trace  # the class shadows its module's name here: mg.autograd.trace() is the tool

__all__ = ["Context", "Function", "GradcheckError", "detect_anomaly", "enable_grad", "gradcheck",
           "is_anomaly_enabled", "is_grad_enabled", "no_grad", "set_grad_enabled", "trace"]
