"""The API's routers, one module per audience: answers, documents, OpenAI, admin, service, pages."""
