"""Conflict and SameDayRequest share one set of field names (conflicts.models.OwnerRequest):
the same-day request's `meeting_type` column is renamed, every row kept (the API still calls it
`meeting_type`, conflicts/api.py maps it)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conflicts', '0003_same_day_acknowledge_escalate'),
    ]

    operations = [
        migrations.RenameField(
            model_name='samedayrequest',
            old_name='meeting_type',
            new_name='requested_meeting_type',
        ),
        migrations.AlterField(
            model_name='samedayrequest',
            name='owner_notes',
            field=models.TextField(blank=True, help_text="The owner's notes for the caller."),
        ),
    ]
