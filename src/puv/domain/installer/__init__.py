"""The installer: plan (pure), link wheels from the cache, scripts, uninstall, installed-dist listing.

Modules (import them directly; this package imports nothing):

* :mod:`.plan` — pure: desired pins + installed dists -> :class:`~.plan.Plan`;
* :mod:`.site` — what is installed in a site-packages (PEP 376/627, PEP 610);
* :mod:`.wheel_install` — install one unpacked wheel (PEP 427/491), atomically;
* :mod:`.scripts` — entry-point launchers and shebangs;
* :mod:`.uninstall` — remove a distribution from its RECORD.
"""
