"""REST API routes (Django REST framework); mounted at /api/. Documented at /api/schema/ and /api/docs/."""
from rest_framework.routers import SimpleRouter

from .api import ReadViewSet, StudyViewSet

router = SimpleRouter()
router.register("studies", StudyViewSet, basename="api-study")
router.register("reads", ReadViewSet, basename="api-read")

urlpatterns = router.urls
