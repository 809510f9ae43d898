# The TinyStories-style cast of the generated data sets (sourced by make_gold_stories.sh and
# make_retrieval_stories.sh): child i is names[i], referred to as pronouns[i]/possessives[i],
# and owns a colors[i] objects[i]; places cycle.
# shellcheck disable=SC2034  # used by the scripts that source this file
names=(Lily Tom Ben Sue Mia Max Anna Sam)
pronouns=(She He He She She He She He)
possessives=(her his his her her his her his)
objects=(ball kite doll box book hat cake boat)
colors=(red blue big small yellow green pink shiny)
places=(park garden forest beach)
