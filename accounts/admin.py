import io

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.text import slugify

from pronexis.csv_export import csv_safe, csv_writer

from . import areas, services
from .admin_confirm import confirmed_action
from .admin_forms import ApiTokenAdminForm, LabelledTabularInline, LocationAdminForm, vertical_radios
from .models import (
    ApiToken,
    Area,
    AreaPostalCode,
    Brand,
    BrandMembership,
    Invitation,
    Location,
    LocationPhoneNumber,
    Membership,
    Service,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "phone"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor sign-in (lost phone and recovery codes)")
    def reset_two_factor(self, request, queryset):
        from .two_factor import two_factor_reset

        for user in queryset:
            two_factor_reset(user=user, actor=request.user)  # recorded in the audit trail
        self.message_user(request, f"Two-factor sign-in reset for {len(queryset)} user(s).", messages.SUCCESS)


class ServiceInline(LabelledTabularInline):
    model = Service
    extra = 1


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "phi_mode", "created_at"]
    list_filter = ["phi_mode"]
    search_fields = ["name"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "book_anyway"]
    list_filter = ["brand", "book_anyway"]
    search_fields = ["name", "brand__name"]


class AreaInline(LabelledTabularInline):
    model = Area
    extra = 0
    fields = ["name"]  # the brand is the Location's (Area.save)
    show_change_link = True


class PhoneNumberInline(LabelledTabularInline):
    model = LocationPhoneNumber
    extra = 0


class MembershipInline(LabelledTabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]  # a labelled text box with a lookup link (select2's picker has no name)


NOTIFICATION_FIELDS = ["notification_emails", "sms_distribution_enabled", "sms_distribution_list", "lead_sms_enabled"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = LocationAdminForm
    list_display = ["name", "brand", "plan", "billing", "time_zone", "is_active"]
    list_filter = ["brand", "plan", "billing", "is_active", "time_zone"]
    list_select_related = ["brand"]
    search_fields = ["name", "address", "city", "postal_code", "brand__name"]
    radio_fields = vertical_radios("plan", "billing")
    inlines = [AreaInline, PhoneNumberInline, MembershipInline]
    readonly_fields = ["calendar_secret", "created_at"]
    actions = ["regenerate_feed_secrets", "deactivate"]
    fieldsets = [
        (None, {"fields": ["brand", "name", "is_active"]}),
        ("Address and time zone", {"fields": ["address", "city", "region", "postal_code", "time_zone"]}),
        ("Service", {"fields": ["plan", "billing", "meeting_types", "services_offered"]}),
        ("Contact numbers", {"fields": ["back_office", "after_hours", "mobile"]}),
        ("Notifications", {"fields": NOTIFICATION_FIELDS}),
        ("Calendar", {"fields": ["slot_minutes", "buffer_minutes", "minimum_notice_minutes", "calendar_secret"]}),
        ("Security", {"fields": ["require_two_factor", "created_at"]}),
    ]

    @admin.action(description="Regenerate calendar feed secrets (old feed links stop working)")
    def regenerate_feed_secrets(self, request, queryset):
        def perform(locations):
            for location in locations:
                services.location_regenerate_calendar_secret(location=location, actor=request.user)
            return f"New calendar feed secrets for {len(locations)} Location(s); owners must subscribe again."

        return confirmed_action(
            self,
            request,
            queryset,
            title="Regenerate calendar feed secrets",
            explanation="Each Location gets a new feed address; calendars subscribed to the old one stop updating.",
            button="Yes, regenerate the secrets",
            perform=perform,
        )

    @admin.action(description="Deactivate the selected Locations")
    def deactivate(self, request, queryset):
        def perform(locations):
            count = services.locations_deactivate(locations=locations, actor=request.user)
            return f"Deactivated {count} Location(s)."

        return confirmed_action(
            self,
            request,
            queryset,
            title="Deactivate Locations",
            explanation="Deactivated Locations no longer appear to agents or take leads; their data is kept.",
            button="Yes, deactivate them",
            perform=perform,
        )


@admin.register(LocationPhoneNumber)
class LocationPhoneNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "location", "purpose", "sends_sms"]
    list_filter = ["purpose", "sends_sms", "location__brand"]
    search_fields = ["number", "location__name", "label"]


class PostalCodeInline(LabelledTabularInline):
    model = AreaPostalCode
    extra = 3
    fields = ["postal_code"]


class AreaImportForm(forms.Form):
    brand = forms.ModelChoiceField(Brand.objects.all(), help_text="Area names are unique within a brand.")
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="Columns area,postal_code,location — location is needed only for areas that do not exist yet.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    move = forms.BooleanField(
        label="Move postal codes that belong to another area",
        required=False,
        help_text="Otherwise a postal code of another area is refused and nothing is imported.",
    )


class AreaConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    move = forms.BooleanField(label="Move postal codes that belong to another area", required=False)


class AreaExportForm(forms.Form):
    brand = forms.ModelChoiceField(Brand.objects.all(), label="Brand to download")
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)")], initial="csv", label="Format")


PREVIEW_ROWS = 1000  # beyond this, the preview lists the rows that are not plain additions


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "location", "postal_code_count"]
    list_filter = ["brand", "location"]
    list_select_related = ["brand", "location"]
    search_fields = ["name", "location__name", "postal_codes__postal_code"]
    inlines = [PostalCodeInline]
    change_list_template = "admin/accounts/area/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(code_count=Count("postal_codes"))

    @admin.display(description="postal codes", ordering="code_count")
    def postal_code_count(self, area):
        return area.code_count

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="accounts_area_import"),
            path("import-csv/", view(self.import_view), name="accounts_area_import_csv"),  # the old address
            path("export/", view(self.export_view), name="accounts_area_export"),
        ] + super().get_urls()

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if hasattr(inline_form.instance, "brand_id") and isinstance(inline_form.instance, AreaPostalCode):
                inline_form.instance.brand_id = form.instance.brand_id
        super().save_formset(request, form, formset, change)

    def import_view(self, request):
        """Upload → preview (nothing written) → confirm (all or nothing)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request)
        form = AreaImportForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render(request, form=form, status=400 if request.method == "POST" else 200)
        upload, brand = form.cleaned_data["file"], form.cleaned_data["brand"]
        try:
            rows, problems = areas.area_file_read(name=upload.name, content=upload.read())
        except ValidationError as error:
            form.add_error("file", error.messages)
            return self._render(request, form=form, status=400)
        allow_move = form.cleaned_data["move"]
        plan = areas.area_import_plan(
            actor=request.user, brand=brand, rows=rows, problems=problems, allow_move=allow_move
        )
        confirm = AreaConfirmForm(initial={"token": areas.area_import_token(plan, rows), "move": allow_move})
        return self._render(request, form=form, plan=plan, confirm=confirm, status=200 if plan.can_write else 400)

    def _confirm(self, request):
        confirm = AreaConfirmForm(request.POST)
        try:
            if not confirm.is_valid():
                raise ValidationError("The preview is incomplete: upload the file again.")
            brand_id, rows, problems, digest = areas.area_import_from_token(confirm.cleaned_data["token"])
            brand = Brand.objects.get(pk=brand_id)
            allow_move = confirm.cleaned_data["move"]
            plan = areas.area_import_apply(
                actor=request.user, brand=brand, rows=rows, problems=problems, allow_move=allow_move, digest=digest
            )
        except (ValidationError, Brand.DoesNotExist) as error:
            messages.error(request, " ".join(getattr(error, "messages", ["The brand no longer exists."])))
            return redirect("admin:accounts_area_import")
        if not plan.written:
            messages.warning(request, "The areas changed since the preview, or the file has rows to fix: check again.")
            form = AreaImportForm(initial={"brand": brand, "move": allow_move})
            confirm = AreaConfirmForm(initial={"token": areas.area_import_token(plan, rows), "move": allow_move})
            return self._render(request, form=form, plan=plan, confirm=confirm, status=409)
        counts = plan.counts
        moved = counts["moved"] if allow_move else 0
        messages.success(
            request,
            f"Imported into {brand}: {counts['added']} postal codes added, {moved} moved, "
            f"{counts['already_there']} already there; {len(plan.new_areas)} new areas.",
        )
        return redirect(reverse("admin:accounts_area_changelist") + f"?brand__id__exact={brand.pk}")

    def _render(self, request, *, form, plan=None, confirm=None, status=200):
        rows = plan.rows if plan else []
        if len(rows) > PREVIEW_ROWS:
            rows = [row for row in rows if row.outcome != areas.ADDED][:PREVIEW_ROWS]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import areas",
            "form": form,
            "plan": plan,
            "preview_rows": rows,
            "confirm": confirm,
            "export_form": AreaExportForm(initial={"brand": form["brand"].value()}, prefix="export"),
        }
        return TemplateResponse(request, "admin/accounts/area/import.html", context, status=status)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = AreaExportForm(request.GET, prefix="export")
        if not form.is_valid():
            return HttpResponseBadRequest("Choose a brand and a format (csv or xlsx).")
        brand, kind = form.cleaned_data["brand"], form.cleaned_data["format"]
        rows = areas.area_export_rows(actor=request.user, brand=brand)
        name = slugify(brand.name) or f"brand-{brand.pk}"
        if kind == "xlsx":
            return _xlsx_response(rows, f"areas-{name}.xlsx")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="areas-{name}.csv"'
        writer = csv_writer(response)  # a name starting with = is text, not a formula (read back by the import)
        for row in rows:
            writer.writerow(row)
        return response


def _xlsx_response(rows, filename: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("areas")
    for row in rows:
        sheet.append([csv_safe(cell) for cell in row])  # strings: a ZIP keeps its zero, "=…" is no formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PostalCodeForm(forms.ModelForm):
    class Meta:
        model = AreaPostalCode
        fields = ["area", "postal_code"]


@admin.register(AreaPostalCode)
class AreaPostalCodeAdmin(admin.ModelAdmin):
    form = PostalCodeForm
    list_display = ["postal_code", "area", "brand"]
    list_filter = ["brand"]
    list_select_related = ["area", "brand"]
    search_fields = ["postal_code", "area__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "location", "role", "created_at"]
    list_filter = ["role", "location__brand", "location"]
    search_fields = ["user__email", "location__name"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["location"]


@admin.register(BrandMembership)
class BrandMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "brand"]
    list_filter = ["brand"]
    search_fields = ["user__email", "brand__name"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "location", "role", "created_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "location__brand"]
    search_fields = ["email", "location__name"]
    readonly_fields = ["created_at", "accepted_at", "accepted_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenAdminForm
    list_display = ["name", "prefix", "user", "scope", "brand", "created_at", "last_used_at", "state"]
    list_filter = ["scope", "brand", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "brand"]
    search_fields = ["name", "prefix", "user__email"]
    raw_id_fields = ["user"]  # a labelled text box with a lookup link (select2's picker has no name)
    radio_fields = vertical_radios("scope")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # A token's user, scope and brand are what its key was issued for: never changed after.
        if obj is None:
            return []
        return ["user", "scope", "brand", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scope", "brand"]
        return ["name", "user", "scope", "brand", "prefix", "created_at", "last_used_at", "revoked_at"]

    @admin.display(description="state", ordering="revoked_at")
    def state(self, token):
        return "Active" if token.revoked_at is None else f"Revoked {date_format(token.revoked_at, 'DATETIME_FORMAT')}"

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, key = ApiToken.issue(user=obj.user, name=obj.name, scope=obj.scope, brand=obj.brand)
        obj.pk = token.pk
        request.issued_api_key = key  # shown once by response_add; only the hash is stored

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(request, "issued_api_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "API key issued",
            "token": obj,
            "key": key,
        }
        response = TemplateResponse(request, "admin/accounts/apitoken/issued.html", context)
        response["Cache-Control"] = "no-store"  # the key must not stay in any cache
        return response

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        def perform(tokens):
            for token in tokens:
                services.api_token_revoke(token=token, actor=request.user)
            return f"Revoked {len(tokens)} token(s); requests with their keys now answer 401."

        return confirmed_action(
            self,
            request,
            queryset,
            title="Revoke API tokens",
            explanation="Integrations using these keys stop working at once. This cannot be undone.",
            button="Yes, revoke them",
            perform=perform,
        )
