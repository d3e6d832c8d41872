"""The one write path. Each change is one function that takes the
:class:`~opalexe_core.services.platform.Platform` it works on, the
:class:`~opalexe_core.services.platform.Actor` and the facts it needs; it
checks the actor's right itself (refusing with
:class:`~opalexe_core.services.platform.Refused` whatever a view checked
before), changes the resources and emits one domain event
(:mod:`opalexe_core.contract`). Hooks are called from here, never from views.
No Pyramid request in here: views and the command line build the platform
and the actor, then call one service.
"""
