print("pii-guard")
