"""One folder per SMS provider; only that folder imports the provider's SDK.

`base` holds what every provider shares (the Gateway interface, send errors and results, the
console backend); `twilio/` and `solapi/` each wrap one official client. `coordinator.sms.gateway`
builds them from the config and routes each message by its recipient (SMS_ROUTES).
"""
