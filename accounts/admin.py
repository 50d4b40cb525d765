from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect, render
from django.urls import path

from . import services
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


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 1


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "book_anyway"]
    list_filter = ["brand", "book_anyway"]
    search_fields = ["name", "brand__name"]


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0
    fields = ["name", "brand"]
    show_change_link = True


class PhoneNumberInline(admin.TabularInline):
    model = LocationPhoneNumber
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "plan", "billing", "time_zone", "is_active"]
    list_filter = ["brand", "plan", "billing", "is_active", "time_zone"]
    search_fields = ["name", "address", "city", "postal_code", "brand__name"]
    filter_horizontal = ["services_offered"]
    inlines = [AreaInline, PhoneNumberInline, MembershipInline]
    readonly_fields = ["calendar_secret", "created_at"]


@admin.register(LocationPhoneNumber)
class LocationPhoneNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "location", "purpose", "sends_sms"]
    list_filter = ["purpose", "sends_sms", "location__brand"]
    search_fields = ["number", "location__name", "label"]


class PostalCodeInline(admin.TabularInline):
    model = AreaPostalCode
    extra = 3
    fields = ["postal_code"]


class AreaCsvForm(forms.Form):
    brand = forms.ModelChoiceField(Brand.objects.all())
    csv_file = forms.FileField(help_text="Columns: area,postal_code — one postal code per line.")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "location"]
    list_filter = ["brand", "location"]
    search_fields = ["name", "location__name", "postal_codes__postal_code"]
    inlines = [PostalCodeInline]
    change_list_template = "admin/accounts/area/change_list.html"

    def get_urls(self):
        return [
            path("import-csv/", self.admin_site.admin_view(self.import_csv), name="accounts_area_import_csv")
        ] + super().get_urls()

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if hasattr(inline_form.instance, "brand_id") and isinstance(inline_form.instance, AreaPostalCode):
                inline_form.instance.brand_id = form.instance.brand_id
        super().save_formset(request, form, formset, change)

    def import_csv(self, request):
        form = AreaCsvForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["csv_file"].read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors = ["The file is not UTF-8 text; save it as CSV UTF-8 and try again."]
            else:
                result = services.area_import_postal_codes(brand=form.cleaned_data["brand"], csv_text=text)
                errors = result.errors
                if not errors:
                    messages.success(request, f"Imported {result.imported} postal codes.")
                    return redirect("admin:accounts_area_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "errors": errors,
            "title": "Import postal codes",
        }
        return render(request, "admin/accounts/area/import_csv.html", context, status=400 if errors else 200)


class PostalCodeForm(forms.ModelForm):
    class Meta:
        model = AreaPostalCode
        fields = ["area", "postal_code"]


@admin.register(AreaPostalCode)
class AreaPostalCodeAdmin(admin.ModelAdmin):
    form = PostalCodeForm
    list_display = ["postal_code", "area", "brand"]
    list_filter = ["brand"]
    search_fields = ["postal_code", "area__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "location", "role", "created_at"]
    list_filter = ["role", "location__brand", "location"]
    search_fields = ["user__email", "location__name"]
    autocomplete_fields = ["user", "location"]


@admin.register(BrandMembership)
class BrandMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "brand"]
    list_filter = ["brand"]
    search_fields = ["user__email", "brand__name"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "location", "role", "created_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "location__brand"]
    search_fields = ["email", "location__name"]
    readonly_fields = ["created_at", "accepted_at", "accepted_by"]


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "user", "scope", "brand", "revoked_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "user", "scope", "brand", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "brand", "revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, key = ApiToken.issue(user=obj.user, name=obj.name, scope=obj.scope, brand=obj.brand)
        obj.pk = token.pk
        # Shown once: only the hash is stored.
        messages.warning(request, f"API key for “{token.name}” (copy it now, it is not shown again): {key}")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token)
        messages.success(request, f"Revoked {queryset.count()} tokens.")
