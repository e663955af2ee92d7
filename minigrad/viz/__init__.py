"""viz: plots of training and data (graph drawing joins later)."""
from .plots import plot_confusion_matrix, plot_decision_boundary, plot_learning_curves, plot_predictions
