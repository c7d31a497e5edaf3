"""The HTTP service behind ``revhyper serve``: the library over HTTP, for platforms in any language.

It needs the ``serve`` extra (``pip install 'revhyper[serve]'``: Starlette and uvicorn); ``import revhyper``
never imports this package. :func:`revhyper.service.app.create_app` builds the ASGI application from a
:class:`revhyper.service.config.ServiceConfig`; docs/service.md documents every endpoint.
"""
