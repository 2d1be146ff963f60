"""WhatsApp Business Cloud API: payloads, signatures and the outbound client."""
