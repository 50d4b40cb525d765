from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension
from django.db import migrations


def create_agents_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="Agents")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        # The exclusion constraint on appointments and the trigram search indexes need these.
        BtreeGistExtension(),
        TrigramExtension(),
        migrations.RunPython(create_agents_group, migrations.RunPython.noop),
    ]
