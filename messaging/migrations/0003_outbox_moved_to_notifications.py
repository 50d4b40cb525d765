"""The outbox, status callbacks, webhook receipts and opt-outs moved to the notifications app.

State only: the tables keep their names (the models' db_table) and every row stays where it is.
The content types (admin log entries and permissions point at them) are renamed rather than
created anew, so the admin history of a notification follows it."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ["notification", "statuscallback", "webhookreceipt", "smsoptout"]


def rename_content_types(apps, schema_editor, source="messaging", target="notifications"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, source="notifications", target="messaging")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_smsoptout_moved_to_notifications'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('messaging', '0002_outbox_unknown_callbacks_receipts_media'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # The column and its constraint point at the same table as before.
                migrations.AlterField(
                    model_name='smsmessage',
                    name='notification',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='sms_messages', to='notifications.notification'),
                ),
                migrations.RemoveField(model_name='notification', name='location'),
                migrations.RemoveField(model_name='notification', name='subject_type'),
                migrations.DeleteModel(name='SmsOptOut'),
                migrations.DeleteModel(name='StatusCallback'),
                migrations.DeleteModel(name='WebhookReceipt'),
                migrations.DeleteModel(name='Notification'),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
