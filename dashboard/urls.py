from django.urls import path

from dashboard import views

# No app namespace: "home" is the name LOGIN_REDIRECT_URL and the navigation already use.
urlpatterns = [
    path("", views.home, name="home"),
]
