"""CRM schema revisions, applied in order by `CrmStore.migrate()`."""
