"""The API's routers, one module per resource; each route calls the service layer only."""
