from django.contrib.auth import views as auth_views
from django.urls import path

from . import two_factor_views, views
from .forms import LoginPasswordResetForm

urlpatterns = [
    path("accounts/login/", two_factor_views.PasswordStepLoginView.as_view(), name="login"),
    path("accounts/2fa/", two_factor_views.two_factor_home, name="two_factor"),
    path("accounts/2fa/verify/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/2fa/setup/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/2fa/confirm/", two_factor_views.two_factor_confirm, name="two_factor_confirm"),
    path("accounts/2fa/recovery-codes/", two_factor_views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("accounts/2fa/remove/", two_factor_views.two_factor_disable, name="two_factor_remove"),
    path("accounts/sessions/", two_factor_views.session_list, name="sessions"),
    path(
        "accounts/sessions/sign-out-others/",
        two_factor_views.sessions_sign_out_others,
        name="sessions_sign_out_others",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", two_factor_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=LoginPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("switch-location/", views.switch_location, name="switch_location"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/<int:location_id>/", views.location_settings, name="location_settings"),
    path("settings/<int:location_id>/invite/", views.invitation_create, name="invitation_create"),
    path("settings/<int:location_id>/tokens/", views.api_token_create, name="api_token_create"),
    path("settings/<int:location_id>/mobile/", views.profile_mobile, name="profile_mobile"),
    path(
        "settings/<int:location_id>/calendar-secret/",
        views.calendar_secret_regenerate,
        name="calendar_secret_regenerate",
    ),
    path("settings/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/team/<int:membership_id>/remove/", views.membership_remove, name="membership_remove"),
    path("settings/team/<int:membership_id>/role/", views.membership_set_role, name="membership_set_role"),
    path("settings/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
