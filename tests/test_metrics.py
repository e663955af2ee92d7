"""Metrics: the course's p.4 accuracy, label conversion, and agreement with scikit-learn."""
import numpy as np
import pytest
from sklearn import metrics as sk

import minigrad as mg
from minigrad.metrics import accuracy, confusion_matrix, get_metric, mae, mse, r2, rmse, to_labels

SOFTMAX = [[0.1, 0.1, 0.8], [0.6, 0.2, 0.2], [0.01, 0.97, 0.02]]   # p.4
ACTUAL = [[0, 0, 1], [0, 0, 1], [0, 1, 0]]


def test_course_accuracy_is_two_thirds():
    assert accuracy(SOFTMAX, ACTUAL) == pytest.approx(2 / 3)
    assert accuracy(mg.tensor(SOFTMAX), mg.tensor([2, 2, 1])) == pytest.approx(2 / 3)


def test_labels_from_scores_logits_and_labels():
    np.testing.assert_array_equal(to_labels(SOFTMAX), [2, 0, 1])
    np.testing.assert_array_equal(to_labels(mg.tensor([[-0.3], [0.2]])), [0, 1])     # logits
    np.testing.assert_array_equal(to_labels([0.3, 0.7], threshold=0.5), [0, 1])      # probabilities
    np.testing.assert_array_equal(to_labels(np.array([[1], [0]])), [1, 0])
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        accuracy(SOFTMAX, [1, 2])


def test_confusion_matrix_layout():
    matrix = confusion_matrix(SOFTMAX, [2, 2, 1])
    np.testing.assert_array_equal(matrix, [[0, 0, 0], [0, 1, 0], [1, 0, 1]])   # rows: true class
    assert confusion_matrix([0, 1], [0, 1], num_classes=4).shape == (4, 4)


def test_regression_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    target, pred = rng.normal(size=(50, 1)), rng.normal(size=50)
    assert mse(pred, target) == pytest.approx(sk.mean_squared_error(target.ravel(), pred))
    assert mae(mg.tensor(pred), target) == pytest.approx(sk.mean_absolute_error(target.ravel(), pred), rel=1e-6)
    assert rmse(pred, target) == pytest.approx(np.sqrt(sk.mean_squared_error(target.ravel(), pred)))
    assert r2(pred, target) == pytest.approx(sk.r2_score(target.ravel(), pred))
    with pytest.raises(ValueError, match="different numbers"):
        mse([1, 2], [1, 2, 3])


def test_get_metric():
    assert get_metric("accuracy") == ("accuracy", accuracy)
    assert get_metric(mse)[0] == "mse"
    with pytest.raises(KeyError, match="unknown metric"):
        get_metric("f1")
