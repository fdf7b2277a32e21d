CREATE INDEX ix_widget_created ON widget (created_at);
