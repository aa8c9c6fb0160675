-- Temporal keeps its own databases next to the CRM database.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
