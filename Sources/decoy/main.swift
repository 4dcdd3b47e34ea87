print("decoy")
