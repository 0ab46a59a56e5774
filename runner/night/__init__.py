"""The night: dispatch issues to agents, check what they submit, keep the result as branches."""
