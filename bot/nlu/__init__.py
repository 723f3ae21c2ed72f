"""Custom Rasa NLU components: the safety and confidence guards around the classifiers."""
