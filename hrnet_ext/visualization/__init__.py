"""Drawing: MMPose's pose visualizer, fixed for numpy 2 (:class:`PoseLocalVisualizer`)."""
from .local_visualizer import PoseLocalVisualizer

__all__ = ['PoseLocalVisualizer']
