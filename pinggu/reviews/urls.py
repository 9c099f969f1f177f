from django.urls import path

from . import review_views

app_name = "reviews"
urlpatterns = [
    path("reviews/", review_views.mine, name="mine"),
    path("campaigns/<int:pk>/reviews/", review_views.queue, name="queue"),
    path("campaigns/<int:pk>/reviews/<slug:unit>/", review_views.review, name="review"),
    path("campaigns/<int:pk>/reviews/<slug:unit>/points/<str:code>/", review_views.save, name="save"),
    path("campaigns/<int:pk>/reviews/<slug:unit>/returns/", review_views.return_points, name="returns"),
    path("reviews/phrases/", review_views.save_phrase, name="phrase"),
]
