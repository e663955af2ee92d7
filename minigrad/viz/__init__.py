"""viz: plots of training and data; the autograd graph (draw_graph), element zoom, gradient flow."""
from .gradflow import GradientFlow, hidden_grad_norms, plot_gradient_flow, plot_time_step_gradients
from .graph import draw_graph, retain_grads
from .zoom import Value, zoom
from .plots import (plot_confusion_matrix, plot_decision_boundary, plot_learning_curves, plot_predictions,
                    save_figure)
