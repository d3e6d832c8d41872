"""Views: thin — parse, call a service, render."""


def includeme(config):
    from .language import return_path

    config.add_request_method(return_path, "opalexe_return_path", reify=True)
    config.add_route("login_demo", "/connexion/demo")  # plugin-style route of the dev provider
    config.scan(".")
