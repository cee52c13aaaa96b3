"""smartcity: cited answers about the German Smart City programmes."""
