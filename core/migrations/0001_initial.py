# The reminder log, moved here from the knowledge_exchange app (whose migration 0002
# copies the rows across and drops the old table).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.REMINDERS_YEAR_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Reminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40, verbose_name='kind')),
                ('object_id', models.PositiveBigIntegerField(verbose_name='record')),
                ('object_repr', models.CharField(max_length=200, verbose_name='about')),
                ('email', models.EmailField(max_length=254, verbose_name='sent to')),
                ('occasion', models.CharField(help_text="Which of the kind's reminders this is.", max_length=40, verbose_name='occasion')),
                ('context', models.JSONField(blank=True, default=dict, verbose_name='details')),
                ('sweep', models.UUIDField(db_index=True, editable=False, verbose_name='sweep')),
                ('queued_at', models.DateTimeField(auto_now_add=True, verbose_name='queued')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                ('subject', models.CharField(blank=True, max_length=255, verbose_name='subject')),
                ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reminders', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('year', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reminders', to=settings.REMINDERS_YEAR_MODEL, verbose_name='programme year')),
            ],
            options={
                'verbose_name': 'reminder',
                'verbose_name_plural': 'reminders',
                'ordering': ['-queued_at', '-pk'],
                'indexes': [models.Index(fields=['kind', 'object_id'], name='core_reminder_kind_object')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'object_id', 'email', 'occasion'), name='core_reminder_once')],
            },
        ),
    ]
