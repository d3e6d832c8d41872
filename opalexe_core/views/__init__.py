"""Views: thin — parse, call a service, render."""


def includeme(config):
    config.add_route("login_demo", "/connexion/demo")  # plugin-style route of the dev provider
    config.scan(".")
