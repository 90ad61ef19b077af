from .hrnetv2_neck import HRNetV2Neck

__all__ = ['HRNetV2Neck']
