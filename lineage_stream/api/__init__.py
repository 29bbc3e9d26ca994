"""The read-only HTTP API and the lineage page: ``lineage-stream serve``.

``app.create_app`` builds the FastAPI application over any ``Reader``; ``marquez`` shapes lineage as
Marquez's ``GET /api/v1/lineage`` answers it; ``server.serve`` runs it under uvicorn.
"""
