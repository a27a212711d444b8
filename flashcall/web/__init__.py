"""The dashboard's pages, one package per page (auth, dashboard, services, keys, users, testpage,
operator, guide, webhooks), plus what they share: account scoping, navigation, display filters
and form fields."""
