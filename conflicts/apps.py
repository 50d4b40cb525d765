from django.apps import AppConfig


class ConflictsConfig(AppConfig):
    name = "conflicts"

    def ready(self):
        # ready(): the app registry is loaded; this app registers itself with the layers below.
        from calendars import approvals
        from notifications.short_links import register_short_link

        from . import answers, selectors, webhooks  # noqa: F401  (webhooks connects the anymail inbound receiver)
        from .models import Conflict, SameDayRequest

        # Bookings rest on these approvals; calendars (a layer down) finds them through this.
        approvals.register(
            approvals.ApprovalFinders(
                conflict_visible=lambda user, pk: Conflict.objects.visible_to(user).filter(pk=pk).first(),
                same_day_visible=lambda user, pk: SameDayRequest.objects.visible_to(user).filter(pk=pk).first(),
                same_day_covering=selectors.approved_same_day_covering,
                pending_between=lambda locations_qs, start, end: selectors.pending_for_calendar(
                    locations_qs=locations_qs, start=start, end=end
                ),
            )
        )
        # An owner's SMS carries one short link: for a waiting request it opens the answer page.
        for kind in ("conflict_raised", "conflict_reminder", "same_day_request"):
            register_short_link(kind, answers.short_link_answer_page)
